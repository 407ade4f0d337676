from tests.workflow_support.fixtures import clock, engine, services, ward

__all__ = ["clock", "engine", "services", "ward"]
