// Stand-in for the project's src/serviceWorker.ts.
module.exports = {};
