// Stand-in for the project's src/routes/addItem.js.
module.exports = {};
