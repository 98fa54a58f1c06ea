"""What leaves SynthLens for a person or a pipeline. Never imports Streamlit, so the CLI can use all
of it as the app does.

- ``json_report``: the Assessment as the JSON report pipelines read;
- ``html_report`` (with ``html_parts``, ``html_sections``, ``html_scores``, ``html_review``): the
  self-contained HTML report;
- ``charts``, ``row_charts``, ``score_charts``: the figures both the app and the HTML report draw
  (``score_charts``: scores with their interval whiskers and floor ticks);
- ``result_words``, ``score_words``: sentences and labels the pages and the HTML report share
  (``score_words``: a score with the precision that matters, its interval and floor in words);
- ``finding_groups``: findings grouped by cause, the first ten and the rest;
- ``words``: numbers in words;
- ``review_items``: an assessment's findings and flagged rows as review items;
- ``review_report``: the review as data for the downloads (gates, decisions, cleaned data);
- ``escape``: escaping for every sink (Markdown, HTML, plotly labels, CSV cells).
"""
