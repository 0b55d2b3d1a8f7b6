from flask import Flask, jsonify, render_template, request

incidents = {}
counter = 0


def create_app():
    app = Flask(__name__)

    @app.route("/")
    def index():
        return render_template("index.html", incidents=incidents.values())

    @app.route("/health")
    def health():
        return jsonify(status="ok")

    @app.route("/status.txt")
    def status():
        text = "status: degraded\n" if incidents else "status: operational\n"
        for i in incidents.values():
            text += "#%d [%s] %s\n" % (i["id"], i["severity"], i["title"])
        return app.response_class(text, mimetype="text/plain")

    @app.route("/api/incidents", methods=["GET", "POST"])
    def incidents_api():
        global counter
        if request.method == "POST":
            data = request.json
            counter += 1
            incident = {
                "id": counter,
                "title": data["title"],
                "severity": data.get("severity", "minor"),
                "status": "open",
            }
            incidents[counter] = incident
            return jsonify(incident), 201
        return jsonify(list(incidents.values()))

    @app.route("/api/incidents/<int:id>", methods=["GET", "DELETE"])
    def incident_api(id):
        if request.method == "DELETE":
            del incidents[id]
            return jsonify({"deleted": id})
        return jsonify(incidents[id])

    @app.route("/incidents/<int:id>")
    def incident_page(id):
        return render_template("incident.html", incident=incidents[id])

    return app
