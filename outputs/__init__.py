"""What leaves SynthLens for a person or a pipeline. Never imports Streamlit, so the CLI can use all
of it as the app does.

- ``json_report``: the Assessment as the JSON report pipelines read;
- ``html_report`` (with ``html_parts``, ``html_sections``, ``html_review``): the self-contained
  HTML report;
- ``charts``, ``row_charts``: the figures both the app and the HTML report draw;
- ``result_words``: sentences and labels the pages and the HTML report share;
- ``words``: numbers in words;
- ``review_items``: an assessment's findings and flagged rows as review items;
- ``review_report``: the review as data for the downloads (gates, decisions, cleaned data);
- ``escape``: escaping for every sink (Markdown, HTML, plotly labels, CSV cells).
"""
