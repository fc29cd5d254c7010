;; Recursion: each non-tail call is a C call of eval, within LISP_MAX_NESTING.
(define (fib n) (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))
(display (fib 20)) (newline)
(define (fact n) (if (= n 0) 1 (* n (fact (- n 1)))))
(display (fact 20)) (newline)
(define (count-down n) (if (= n 0) 0 (+ 1 (count-down (- n 1)))))
(display (count-down 2000)) (newline)
(define (map f l) (if (null? l) '() (cons (f (car l)) (map f (cdr l)))))
(display (map fib '(1 2 3 4 5 6 7 8 9 10))) (newline)
