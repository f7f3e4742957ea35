// Stand-in for the project's src/routes/deleteItem.js.
module.exports = {};
