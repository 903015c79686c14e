"""Renderers: plans and apply reports as text for people (terminal) and machines.

Renderers read a Plan or ApplyReport alone, never the spec or Qlik, so a plan loaded from a file
renders exactly like a fresh one. Layout lives in jinja2 templates under ``templates/``.
"""
