"""A build in order: refuse an output folder it would damage, take the lock, stop when
nothing changed (site.py); otherwise read, compute, tell, render and write (pipeline.py).
"""
