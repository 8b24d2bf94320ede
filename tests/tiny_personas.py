"""The two personas of the tiny suites that the plugin tests write with pytester."""

ALPHA = """\
id = "alpha"
title = "File counter"
prompt = "You count the files of the corpus and say how many there are, in English."
outline = ["Summary", "Files"]

[expect]
sections = ["Summary", "Files"]
min_bullets = 2
language = "en"
"""

BETA = """\
id = "beta"
title = "Risk reviewer"
prompt = "You review the risks the benchmark data shows, in English, with a risks section."
outline = ["Overview", "Risks"]

[expect]
sections = ["Overview", "Risks"]
language = "en"
"""
