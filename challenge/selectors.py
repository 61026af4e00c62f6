def gallery_highlights(*, limit: int = 6):
    """Filled in by the gallery work (issue 7)."""
    return []


def campaign_figures() -> dict:
    """Filled in by the challenge and gallery work."""
    return {"entries": 0, "hearts": 0, "views": 0}
