"""template.yaml as plain data: ``local.stack.template``, where the local stack reads it too."""

from local.stack.template import ROOT, TEMPLATE, load_template, resources_of_type

__all__ = ["ROOT", "TEMPLATE", "load_template", "resources_of_type"]
