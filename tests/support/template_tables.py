"""The template's DynamoDB tables: ``local.stack.tables``, which the local stack builds them with too."""

from local.stack.tables import UnresolvedIntrinsic, create_table_arguments, create_tables, table_properties

__all__ = ["UnresolvedIntrinsic", "create_table_arguments", "create_tables", "table_properties"]
