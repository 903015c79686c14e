"""The resource kinds qlikreconcile manages: one module per kind, one registry.

=====================  ========================================================================
module                 what it holds
=====================  ========================================================================
``<kind>.py``          everything about one kind (``tenant``, ``space``, ``assignment``,
                       ``connection``, ``app``, ``script``, ``reload``, ``published_app``,
                       ``reload_task``, ``pending_create``): capabilities, ``want``, ``read``,
                       typed inputs and ``run``, ending with its ``KIND``
``registry.py``        ``REGISTRY``: every kind in creation order, and what is derived from it
``kind.py``            what a kind is (:class:`~.kind.Kind`) and what its functions are given
``base.py``            what every operation gets (:class:`~.base.HandlerEnv`)
``inputs.py``          the base of every kind's typed operation inputs
``adopt.py``           creates settled by a lookup when their answer is lost (never sent twice)
=====================  ========================================================================

docs/adding-a-kind.md walks through adding one.
"""
