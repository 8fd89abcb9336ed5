"""The leader dashboard: Plotly views of team well-being, through the privacy gate only."""
