"""The review desk: a browser app served by the API itself (plain HTML, CSS and JavaScript; no build)."""
