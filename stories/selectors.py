def episodes_published():
    """Filled in by the story series work (issue 4)."""
    return []
