stand-in for 0001_create-users_down.sql
