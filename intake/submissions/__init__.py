"""The one submission pipeline every channel goes through, the public API and the web form."""
