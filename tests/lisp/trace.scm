;; The frame provider: with tracing on, ohm charges the memory allocated while this
;; script runs to the script's own lines, not to the interpreter's C. trace.re checks
;; that the line holding the most is line 8, with the 2000 blocks it keeps (and some
;; more: objects on ohm's free lists, kept for reuse, are still allocated blocks).
(define (make-strings n acc)
  (if (= n 0)
      acc
      (make-strings (- n 1) (cons (string-append "item-" (number->string n)) acc))))

(trace-start 1)
(define kept (make-strings 1000 '()))      ; 1000 strings and 1000 pairs stay alive
(trace-top 1)
