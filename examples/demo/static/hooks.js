// Client hooks of the demo: the one place the demo writes JavaScript, to show
// the escape hatch. A hook gets this.el, this.pushEvent and this.handleEvent.
window.templiveHooks = {
  Pinger: {
    mounted() {
      this.el.dataset.log = "mounted"
      this.handleEvent("ping", ({n}) => {
        this.el.dataset.lastPing = String(n)
        this.el.classList.add("pinged")
      })
      this.pushEvent("hello", {greeting: "hook mounted"}).then(reply => {
        this.el.dataset.reply = reply.answer
      })
    },
    updated() { this.el.dataset.log += " updated" },
    destroyed() { window.pingerDestroyed = true },
  },
}
