"""Reports: figures and documents made from core values (shell layer)."""
