stand-in for data.sql
