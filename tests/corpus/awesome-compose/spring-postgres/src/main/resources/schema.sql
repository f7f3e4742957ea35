stand-in for schema.sql
