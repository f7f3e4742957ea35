# Stand-in for the project's app/main.py: same routes, short answers.
from fastapi import FastAPI

app = FastAPI()

@app.get("/")
def view_0():
    return {"stand-in": "/"}
