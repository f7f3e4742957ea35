// Stand-in for the project's models/todos/todo.js.
module.exports = {};
