;; Closures capture their env; each call of make-counter makes a fresh one.
(define (make-counter)
  (let ((n 0))
    (lambda () (set! n (+ n 1)) n)))
(define a (make-counter))
(define b (make-counter))
(a) (a)
(display (list (a) (b) (a) (b))) (newline)

(define (make-adder k) (lambda (x) (+ x k)))
(define add5 (make-adder 5))
(display (add5 10)) (newline)

;; two closures sharing one env
(define (make-account balance)
  (define (deposit x) (set! balance (+ balance x)) balance)
  (define (withdraw x)
    (if (> x balance)
        "insufficient funds"
        (begin (set! balance (- balance x)) balance)))
  (lambda (op x) (if (eq? op 'deposit) (deposit x) (withdraw x))))
(define acc (make-account 100))
(display (acc 'deposit 50)) (newline)
(display (acc 'withdraw 30)) (newline)
(display (acc 'withdraw 500)) (newline)

;; variadic lambda: a single symbol takes every argument as a list
(display (list a add5 car (lambda (x) x))) (newline)
