"""Template filters for the café pages."""


def money(cents):
    """450 -> $4.50"""
    return f"${cents / 100:.2f}"
