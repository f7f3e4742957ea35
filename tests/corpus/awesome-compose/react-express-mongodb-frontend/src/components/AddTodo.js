// Stand-in for the project's src/components/AddTodo.js.
module.exports = {};
