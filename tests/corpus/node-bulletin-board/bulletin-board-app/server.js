// Stand-in for the project's server.js: same routes, short answers.
const express = require('express');
const app = express();
app.get('env', (req, res) => res.send('stand-in env'));
app.get('/', (req, res) => res.send('stand-in /'));
app.get('/api/events', (req, res) => res.send('stand-in /api/events'));
const PORT = 8080;
app.listen(PORT, () => console.log(`Listening on port ${PORT}`));
