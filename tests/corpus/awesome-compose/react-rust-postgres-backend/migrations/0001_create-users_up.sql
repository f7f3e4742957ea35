stand-in for 0001_create-users_up.sql
