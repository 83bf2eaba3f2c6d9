"""Review tools for editors: the HTML review page, decisions, and reverting stages.

- :mod:`.history` maps edits and suggestions of one stage through the later
  stages' edits (to the final text), and finds where a later stage touched them.
- :mod:`.texts` finds the texts a report describes (the report's own ``text``,
  the output file, or the source file replayed) and writes results back.
- :mod:`.revert` undoes one stage or rewinds to the text after a stage.
- :mod:`.decisions` applies an editor's decisions file (rejected edits,
  accepted suggestions).
- :mod:`.html` writes the self-contained review page.
"""
