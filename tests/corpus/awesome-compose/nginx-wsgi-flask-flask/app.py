# Stand-in for the project's app.py: same routes, short answers.
from flask import Flask

app = Flask(__name__)

@app.route("/")
def view_0():
    return "stand-in /"

@app.route("/cache-me")
def view_1():
    return "stand-in /cache-me"

@app.route("/info")
def view_2():
    return "stand-in /info"

@app.route("/flask-health-check")
def view_3():
    return "stand-in /flask-health-check"

