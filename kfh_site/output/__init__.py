"""Putting bytes on disk: the one guarded writer and the fresh folder swapped into place,
the lock, the build cache, the worker pool and the progress display. A floor below the
output kinds, which render on every core and write as they go through these services.
"""
