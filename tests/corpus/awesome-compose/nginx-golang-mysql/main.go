// Stand-in for the project's main.go: serves one short answer.
package main

import (
	"fmt"
	"net/http"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "stand-in")
	})
	http.ListenAndServe(":8000", nil)
}
