// Stand-in for the project's spec/routes/addItem.spec.js.
module.exports = {};
