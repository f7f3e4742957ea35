// Stand-in for the project's spec/routes/deleteItem.spec.js.
module.exports = {};
