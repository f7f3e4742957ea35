// Stand-in for the project's src/serviceWorker.js.
module.exports = {};
