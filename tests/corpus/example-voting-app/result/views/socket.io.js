// Stand-in for the project's views/socket.io.js: same routes, short answers.
const express = require('express');
const app = express();
app.get('/', (req, res) => res.send('stand-in /'));
const PORT = process.env.PORT || 3000;
app.listen(PORT, () => console.log(`Listening on port ${PORT}`));
