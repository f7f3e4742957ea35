const express = require("express");

const app = express();
const port = 3000;

app.get("/", (req, res) => {
  res.send("Hello from my-app!\n");
});

app.listen(port, () => {
  console.log(`my-app listening on port ${port}`);
});
