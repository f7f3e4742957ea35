// Stand-in for the project's src/index.js: same routes, short answers.
const express = require('express');
const app = express();
app.get('/items', (req, res) => res.send('stand-in /items'));
const PORT = 3000;
app.listen(PORT, () => console.log(`Listening on port ${PORT}`));
