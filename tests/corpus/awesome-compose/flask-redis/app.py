# Stand-in for the project's app.py: same routes, short answers.
from flask import Flask

app = Flask(__name__)

@app.route("/")
def view_0():
    return "stand-in /"

if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8000)
