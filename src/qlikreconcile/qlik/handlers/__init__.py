"""One module per resource kind: the operations qlikreconcile performs on Qlik.

Every handler module exposes ``KIND`` (the kind's name in :mod:`..resources`) and
``async def run(op, env) -> Outcome``. :mod:`.base` holds what they share.
"""
