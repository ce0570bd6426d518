"""Executors: where jobs run (see :mod:`spine.execution.executors.base` for the protocol).

Import them from the package root (``from spine.execution import ThreadExecutor``).
"""
