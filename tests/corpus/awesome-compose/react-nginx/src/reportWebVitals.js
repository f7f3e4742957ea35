// Stand-in for the project's src/reportWebVitals.js.
module.exports = {};
