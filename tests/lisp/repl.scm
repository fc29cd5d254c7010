;; stdin
;; The REPL: each value is printed; an error is reported, the rest of its line skipped,
;; and the session goes on. The last lines try the reader's errors.
(define x 42)
x
(+ x 1) "a string" '(1 "two" three)
(define (f a) a)
(f 1 2)
(error "custom failure:" x 'sym "str")
(car '())
(undefined-variable 1)
(display "still here")
(newline)
(define (multi-line a
                    b)
  (+ a b))
(multi-line 1 2)
(vector-ref (vector 1 2) 5)
(dict-set! (make-dict) (vector) 1)
(if)
(+ 1 "2")
(* 4611686018427387904 2)
(/ 1 0)
(remainder 1 0)
("not a procedure" 1)
(string-append "a" 'b)
(dict-get (make-dict) 'nothing)
(length (cons 1 2))
(lambda (x 1) x)
"bad \q escape" (display "rest of the line skipped")
)
12abc
(display "after the reader's errors") (newline)
"unclosed
string
