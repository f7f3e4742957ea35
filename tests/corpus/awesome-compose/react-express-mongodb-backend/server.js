// Stand-in for the project's server.js: same routes, short answers.
const express = require('express');
const app = express();
app.get('/', (req, res) => res.send('stand-in /'));
const PORT = 3000;
app.listen(PORT, () => console.log(`Listening on port ${PORT}`));
