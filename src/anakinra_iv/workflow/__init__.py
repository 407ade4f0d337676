"""The team workflow: commands, the order lifecycle, roles, services and queries.

Services take a command and a unit of work, call the clinical core through the
:class:`~anakinra_iv.workflow.ports.DoseCalculator` port, store the result, append an audit
event and commit, all in one transaction.
"""
