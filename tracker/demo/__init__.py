"""The demo desk: seed articles, their real metadata and claims, loaded by load_demo."""
