// Stand-in for the project's src/Confetti.js.
module.exports = {};
