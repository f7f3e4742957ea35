# Stand-in for Django's manage.py: names the settings module.
import os

os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'example.settings')
