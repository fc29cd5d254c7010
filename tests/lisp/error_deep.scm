;; exit: 1
;; Recursion that is not in tail position nests C calls of eval; past 10000 it is an
;; error, not a crash. The traceback shows the newest frames only.
(define (depth n) (if (= n 0) 0 (+ 1 (depth (- n 1)))))
(display (depth 1000)) (newline)
(display (depth 100000)) (newline)
