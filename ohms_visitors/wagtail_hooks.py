"""Admin screens of the add-on: ScopedModelViewSets in one ViewSetGroup ordered by the manifest."""
