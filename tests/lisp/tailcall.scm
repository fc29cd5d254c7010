;; Proper tail calls: a million iterations in constant C stack. Without them each
;; iteration would nest one more eval, and the 10000-deep limit would stop the loop.
(define (loop i acc) (if (= i 0) acc (loop (- i 1) (+ acc 1))))
(display (loop 1000000 0)) (newline)

;; mutual recursion in tail position
(define (even? n) (if (= n 0) #t (odd? (- n 1))))
(define (odd? n) (if (= n 0) #f (even? (- n 1))))
(display (list (even? 1000001) (odd? 1000001))) (newline)

;; the last form of begin and of let's body are tail positions too
(define (count-up i n)
  (begin
    (set! i (+ i 1))
    (let ((next i))
      (if (< next n) (count-up next n) next))))
(display (count-up 0 1000000)) (newline)
